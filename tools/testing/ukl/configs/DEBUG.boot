# Under TCG, with KASAN, lockdep and the slab checks, ACPI's AML
# interpreter runs for more than the soft lockup threshold (20 s) without
# scheduling while virtio-pci probes, before init.  60 is the largest
# watchdog_thresh: a soft lockup is then 120 s.
watchdog_thresh=60
# Every DEBUG kernel is randomized (configs/MAIN): core.c checks it.
UKL_TEST_KASLR=1
# mmstress took 80 s here, with KASAN and lockdep, and 120 s (the limit
# of an area) in the CI's run on a slower host: an area may run 300 s.
UKL_TEST_AREA_TIMEOUT=300
