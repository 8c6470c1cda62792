# The kernel configures eth0 for QEMU's user network (CONFIG_IP_PNP), as
# "make UKL_APP=... UKL_HOSTFWD=... run" does.
ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off
