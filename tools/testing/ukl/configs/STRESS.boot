# Every main kernel is randomized (configs/MAIN): core.c checks it.
UKL_TEST_KASLR=1
