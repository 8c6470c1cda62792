pti=on
# The kernel is randomized (CONFIG_RANDOMIZE_BASE): core.c checks that it
# was, and that pointers to code in the application's data moved with it.
UKL_TEST_KASLR=1
