# Under TCG, with KASAN, lockdep and the slab checks, ACPI's AML
# interpreter runs for more than the soft lockup threshold (20 s) without
# scheduling while virtio-pci probes, before init.  60 is the largest
# watchdog_thresh: a soft lockup is then 120 s.
watchdog_thresh=60
# Every DEBUG kernel is randomized (configs/MAIN): core.c checks it.
UKL_TEST_KASLR=1
