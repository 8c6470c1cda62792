# SPDX-License-Identifier: GPL-2.0
#
# UKL: the unikernel target for Linux.  This Makefile drives everything:
# sources, tree assembly, kernel and libc builds, the QEMU runner, tests.
# See README for the two commands that matter and Documentation/ukl/ for
# the rest.

REPO := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Everything generated goes below BUILD.  O= is an alias, which wins over
# a BUILD in the environment; a relative path is taken from where make runs.
ifdef O
BUILD := $(O)
endif
BUILD ?= $(REPO)/build
ifeq ($(strip $(BUILD)),)
$(error BUILD= is empty: give a directory, or leave it unset for $(REPO)/build)
endif
override BUILD := $(abspath $(BUILD))
# make cannot quote paths: one with a space splits into words, and "make
# clean" would remove what the words name.
ifneq ($(words $(REPO) $(BUILD)),2)
$(error the path of the clone or of O= has a space in it, which make \
	cannot handle: clone to a path without spaces, or give O= one)
endif

# The test scenario whose kernel 'make kernel', 'make run' and
# 'make menuconfig' work on (tools/testing/ukl/configs/).
SCENARIO ?= UKL

# ccache lives outside the clone so that CI and later clones reuse it.
UKL_CCACHE_DIR ?= /var/cache/ukl/ccache
JOBS ?= $(shell nproc)

TESTDIR  := $(REPO)/tools/testing/ukl
CONFIGS  := $(TESTDIR)/configs
DEV      := $(REPO)/scripts/ukl-dev
KPRISTINE := $(BUILD)/src/linux
KTREE    := $(BUILD)/linux
KSRC     := $(KTREE)
KOBJ     := $(BUILD)/kernel/$(SCENARIO)
KFRAGS   := $(CONFIGS)/base.config $(CONFIGS)/$(SCENARIO)

# A scenario whose .tests has the line "tree pristine" (REF, the unpatched
# reference) is built from the pristine tree.  Its build directory sits
# next to that tree as the others sit next to the patched one, so that the
# paths ccache sees (relative to CCACHE_BASEDIR) are the same in both and
# the objects that the series does not change are compiled once.
ifneq ($(shell grep -sxE 'tree[[:space:]]+pristine' $(CONFIGS)/$(SCENARIO).tests),)
KSRC     := $(KPRISTINE)
KOBJ     := $(BUILD)/src/kernel/$(SCENARIO)
endif

# The toolchain for applications: ukl-gcc with the ring-0 musl.
TOOLCHAIN := $(BUILD)/ukl-toolchain
UKL_LIBC  := $(BUILD)/musl/ukl

# UKL_APP=app.o: 'make kernel', 'run' and 'gdb' work on a kernel that links
# this application object (made by ukl-gcc or ukl-mkapp) instead of a test
# scenario: configs/APP plus CONFIG_UKL_APP, built in $(BUILD)/kernel/app-NAME.
# UKL_KERNEL=micro (the default) is the fast-boot kernel booted on QEMU's
# microvm machine, with networking (configs/micro-net.config) when the
# application calls socket(); UKL_KERNEL=main is the main test kernel
# (configs/APP-MAIN, the pc machine, PCI, ACPI, 9p for UKL_SHARE), in
# $(BUILD)/kernel/app-NAME-main.
# UKL_ARGS are its arguments, UKL_HOSTFWD forwards host ports to it
# ("6379" or "8080:80" or QEMU's "tcp::8080-:80", several separated by
# blanks), UKL_TIMEOUT ends the guest after that many seconds (default 0:
# never), UKL_QEMU_ARGS go to QEMU as they are, UKL_SHARE=dir[:guestdir]
# shares a host directory with it (virtio 9p, on /share by default).  Its
# root file system is scripts/ukl/rootfs.list with the contents of the
# directory UKL_FILES on top, an initramfs in $(KOBJ)/ukl-rootfs.cpio.  UKL_ARGV=file and
# UKL_ENVIRON=file hold arguments and environment strings of any content
# (NUL-terminated, as in /proc/PID/cmdline): the rootfs's /ukl carries
# them, the arguments go before those of UKL_ARGS.
UKL_KERNEL ?= micro
ifdef UKL_APP
UKL_APP_ABS  := $(abspath $(UKL_APP))
UKL_APP_NAME := $(basename $(notdir $(UKL_APP)))
ifeq ($(UKL_KERNEL),main)
KOBJ     := $(BUILD)/kernel/app-$(UKL_APP_NAME)-main
KFRAGS   := $(CONFIGS)/base.config $(CONFIGS)/APP-MAIN $(KOBJ).config
UKL_MACHINE := pc
else ifeq ($(UKL_KERNEL),micro)
ifdef UKL_SHARE
$(error UKL_SHARE needs the 9p file system of the main kernel: add UKL_KERNEL=main)
endif
# An object that defines socket() has musl's socket.o linked in: it uses
# it.  ukl-mkapp has made every function of the application local to it
# and named it ukl.NAME.  Forwarded ports need the network too.
UKL_APP_NET := $(if $(UKL_HOSTFWD),y,$(shell nm "$(UKL_APP_ABS)" 2>/dev/null | \
	grep -qE ' [Tt] (ukl\.)?socket$$' && echo y))
KOBJ     := $(BUILD)/kernel/app-$(UKL_APP_NAME)
KFRAGS   := $(CONFIGS)/base.config $(CONFIGS)/APP \
	    $(if $(UKL_APP_NET),$(CONFIGS)/micro-net.config) $(KOBJ).config
UKL_MACHINE := microvm
else
$(error UKL_KERNEL=$(UKL_KERNEL): use micro (the default, fast boot) or main)
endif
UKL_ROOTFS := $(KOBJ)/ukl-rootfs.cpio
endif
UKL_TIMEOUT ?= 0
GDB_PORT ?= 1234
BZIMAGE  := $(KOBJ)/arch/x86/boot/bzImage

# Paths of this repository that are copied into the kernel tree as they are
# (new files); existing upstream files are changed by the diffs that
# patches/series lists.
KERNEL_NEW_FILES := Kconfig.ukl arch include init kernel lib fs mm \
		    scripts/ukl tools/ukl tools/testing/ukl tools/testing/selftests/ukl \
		    Documentation/ukl

# Kernel builds are reproducible so that ccache hits across clones.
KBUILD_ENV := CCACHE_DIR=$(UKL_CCACHE_DIR) CCACHE_BASEDIR=$(BUILD) \
	      KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026" \
	      KBUILD_BUILD_USER=ukl KBUILD_BUILD_HOST=ukl
KMAKE = $(KBUILD_ENV) $(MAKE) -s -C $(KSRC) O=$(KOBJ) CC="ccache gcc" -j$(JOBS)

export BUILD REPO

.PHONY: all deps sources tree config kernel rootfs run gdb test bench menuconfig clean distclean \
	help series check-series htmldocs ukl-toolchain test-redis bench-redis \
	test-memcached test-nginx bench-memcached bench-nginx test-micro

all: kernel

help:
	@echo 'make deps        install Debian packages, fetch and unpack sources'
	@echo 'make run         build the default scenario and boot it in QEMU'
	@echo 'make test        build and boot every scenario in configs/CFLIST'
	@echo 'make bench       microbenchmarks, boot time and size into $$(BUILD)/bench/'
	@echo 'make test-micro  the suite on the fast-boot kernel on QEMU microvm (KTAP)'
	@echo 'make test-redis  Redis as the application: the REDIS scenario (KTAP)'
	@echo 'make test-memcached memcached as the application: the MEMCACHED scenario'
	@echo 'make test-nginx  nginx as the application: the NGINX scenario (KTAP)'
	@echo 'make bench-redis redis-benchmark, application and ring 3, into $$(BUILD)/bench/'
	@echo 'make bench-memcached, make bench-nginx  the same with memcaslap, memcslap, ab'
	@echo 'make kernel      build bzImage for SCENARIO=$(SCENARIO)'
	@echo 'make gdb         like run, but the guest waits for gdb (port GDB_PORT=$(GDB_PORT))'
	@echo 'make ukl-toolchain  ring-0 musl and ukl-gcc into $(TOOLCHAIN)/bin'
	@echo 'make UKL_APP=app.o kernel|run|gdb  the same for an application object'
	@echo '                 (UKL_ARGS="argv", UKL_HOSTFWD="8080 6379:6379", UKL_TIMEOUT=s,'
	@echo '                 UKL_FILES=dir: its contents go to the application root,'
	@echo '                 UKL_KERNEL=micro: the fast-boot kernel on QEMU microvm (default),'
	@echo '                 with networking when the application calls socket(); main: the'
	@echo '                 main test kernel on the pc machine (PCI, ACPI, 9p),'
	@echo '                 UKL_SHARE=dir[:guestdir]: a host directory on /share (9p, main),'
	@echo '                 UKL_ARGV=file UKL_ENVIRON=file: NUL-terminated strings, byte for byte,'
	@echo '                 UKL_STDIO=serial: its stdin and stdout on a port of their own, the'
	@echo '                 kernel log in console.log (default); console: both on the console)'
	@echo 'make menuconfig  edit the .config of SCENARIO (not saved to the fragment)'
	@echo 'make series      export the change as a patch series to $(BUILD)/series/'
	@echo 'make check-series  git am, checkpatch, kernel-doc and build every patch (KTAP)'
	@echo 'make htmldocs    build Documentation/ukl/ as HTML; any warning fails'
	@echo 'make clean       remove kernel builds and test output, keep sources'
	@echo 'make distclean   remove $(BUILD) entirely, if all it holds is UKL'"'"'s'
	@echo 'variables: BUILD=dir (or O=dir), SCENARIO=name, JOBS=n, UKL_CCACHE_DIR=dir,'
	@echo '           TESTFLAGS="--scenarios REF --timeout 60" (ukl-test.sh --help),'
	@echo '           BENCHFLAGS="--reps 3 --no-unpatched" (ukl-bench.sh --help),'
	@echo '           APP_BENCHFLAGS="--reps 1" (bench-redis, bench-memcached,'
	@echo '           bench-nginx; ukl-bench-app.sh --help)'

# --- sources and tree ------------------------------------------------------

deps sources:
	@$(DEV)/sources.sh $(BUILD)

tree: sources
	@$(DEV)/assemble.sh $(KPRISTINE) $(KTREE) $(REPO) $(REPO)/patches/series \
		$(KERNEL_NEW_FILES)

# --- the patch series ------------------------------------------------------

# The change as a git format-patch series against the pristine tree, made
# from patches/changelogs/ (which patch holds which file or diff) and the
# current content of the repository: $(BUILD)/series/.
series: sources
	@$(DEV)/series.sh $(KPRISTINE) $(REPO) $(BUILD) $(KERNEL_NEW_FILES)

# Apply the series patch by patch with git am, run checkpatch and
# kernel-doc, build vmlinux with UKL off and (once the option exists) on
# after every patch, and compare the result with the tree of 'make tree'.
# Prints KTAP; make test runs it as the 'series' item of configs/UKL.tests.
check-series: series tree
	@mkdir -p $(UKL_CCACHE_DIR)
	@JOBS=$(JOBS) UKL_CCACHE_DIR=$(UKL_CCACHE_DIR) $(DEV)/check-series.sh $(BUILD) $(REPO)

# --- documentation ---------------------------------------------------------

# Documentation/ukl/ as HTML with the kernel's Sphinx setup; any Sphinx
# warning is an error (-W).
htmldocs: tree
	@mkdir -p $(BUILD)/htmldocs
	@echo "  HTMLDOCS $(BUILD)/htmldocs/Documentation/output/ukl/index.html"
	@$(MAKE) -s -C $(KTREE) O=$(BUILD)/htmldocs SPHINXDIRS=ukl \
		SPHINXOPTS="-W --keep-going" htmldocs >$(BUILD)/htmldocs/build.log 2>&1 || \
		{ grep -E '(WARNING|ERROR|SEVERE|CRITICAL)' $(BUILD)/htmldocs/build.log | grep -v 'dot(1)'; \
		  echo "error: make htmldocs failed: fix the warnings above in Documentation/ukl/ (log: $(BUILD)/htmldocs/build.log)" >&2; \
		  exit 1; }

# --- the application toolchain ---------------------------------------------

# ukl-gcc with the ring-0 musl: PATH=$(TOOLCHAIN)/bin:$$PATH, then
# "make CC=ukl-gcc" (Documentation/ukl/porting.rst).  The wrapper runs
# scripts/ukl/ukl-gcc of this repository with UKL_LIBC set.
ukl-toolchain: sources
	@bash $(DEV)/musl.sh $(BUILD)
	@mkdir -p $(TOOLCHAIN)/bin
	@printf '%s\n' '#!/bin/sh' '# Generated by "make ukl-toolchain": ukl-gcc with the ring-0 musl.' \
		'UKL_LIBC=$${UKL_LIBC:-$(UKL_LIBC)} exec $(REPO)/scripts/ukl/ukl-gcc "$$@"' \
		>$(TOOLCHAIN)/bin/ukl-gcc.new
	@chmod +x $(TOOLCHAIN)/bin/ukl-gcc.new
	@mv $(TOOLCHAIN)/bin/ukl-gcc.new $(TOOLCHAIN)/bin/ukl-gcc
	@echo "  TOOLCHAIN $(TOOLCHAIN)/bin/ukl-gcc (export PATH=$(TOOLCHAIN)/bin:\$$PATH)"

# --- kernel ----------------------------------------------------------------

config: tree
ifdef UKL_APP
	@test -f "$(UKL_APP_ABS)" || { echo "error: UKL_APP=$(UKL_APP) does not exist" >&2; exit 1; }
	@# All application kernels share configs/APP: kconfig.sh starts a new
	@# one as a copy of a built one, and kbuild only relinks it.
	@mkdir -p $(dir $(KOBJ))
	@echo 'CONFIG_UKL_APP="$(UKL_APP_ABS)"' >$(KOBJ).config.new
	@cmp -s $(KOBJ).config.new $(KOBJ).config && rm $(KOBJ).config.new || \
		mv $(KOBJ).config.new $(KOBJ).config
endif
	@$(DEV)/kconfig.sh $(KSRC) $(KOBJ) $(KFRAGS)

# objtool's warnings about thunks and kernel code fail the build
# (scripts/ukl-dev/kbuild.sh).
kernel: config
	@mkdir -p $(UKL_CCACHE_DIR)
	@echo "  KERNEL  $(if $(UKL_APP),$(KOBJ),$(SCENARIO))" >&2
	@$(DEV)/kbuild.sh $(KOBJ) env $(KMAKE) bzImage

menuconfig: config
	$(KBUILD_ENV) $(MAKE) -C $(KSRC) O=$(KOBJ) menuconfig

# --- running and testing ---------------------------------------------------

# The test driver builds the programs first: a scenario's kernel may link
# one of them in.
ifdef UKL_APP
# ukl-run.sh prints the QEMU command line (--verbose) and exits with the
# application's exit status (make then fails with "Error N").
UKL_HOSTFWD_ARGS = $(foreach f,$(UKL_HOSTFWD),--net-fwd $(shell \
	echo '$(f)' | sed -E -e 's/^tcp:[^:]*:([0-9]+)-[^:]*:([0-9]+)$$/\1:\2/' -e 's/^([0-9]+)$$/\1:\1/'))
UKL_KARGS = $(if $(UKL_HOSTFWD),ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off )$(UKL_APPEND) -- $(UKL_ARGS)
# UKL_STDIO=serial (the default): the application's standard input, output
# and error are make's own, on a serial port of their own, and the
# kernel's console goes to $(KOBJ)/console.log; UKL_STDIO=console: both on
# the console, as on a machine with one serial port.
UKL_STDIO ?= serial
ifeq ($(filter serial console,$(UKL_STDIO)),)
$(error UKL_STDIO=$(UKL_STDIO): use serial (the application's own port) or console)
endif
UKL_RUN = $(TESTDIR)/bin/ukl-run.sh --kernel $(BZIMAGE) --initrd $(UKL_ROOTFS) --verbose \
	--machine $(UKL_MACHINE) \
	$(if $(filter serial,$(UKL_STDIO)),--stdio --log $(KOBJ)/console.log) \
	--timeout $(UKL_TIMEOUT) $(UKL_HOSTFWD_ARGS) $(foreach a,$(UKL_QEMU_ARGS),--qemu-arg $(a)) \
	$(if $(UKL_SHARE),--share $(UKL_SHARE))

# The application's root file system (scripts/ukl/rootfs.list, then
# UKL_FILES, and UKL_ARGV and UKL_ENVIRON in its /ukl).
rootfs: kernel
	@$(REPO)/scripts/ukl/ukl-rootfs $(if $(UKL_ARGV),--argv $(UKL_ARGV)) \
		$(if $(UKL_ENVIRON),--environ $(UKL_ENVIRON)) \
		$(KSRC) $(KOBJ) $(UKL_ROOTFS) $(UKL_FILES)

# make itself can only fail with status 2: say which status it was.
run: rootfs
	@echo "ukl-run: UKL_KERNEL=$(UKL_KERNEL): the $(UKL_MACHINE) machine$(if \
		$(filter micro,$(UKL_KERNEL)),$(if $(UKL_APP_NET), with virtio-net, without \
		networking (the application calls no socket())); UKL_KERNEL=main boots \
		the main kernel on the pc machine)" >&2
	+@$(UKL_RUN) --append "$(UKL_KARGS)" || { rc=$$?; \
		echo "ukl-run: exit status $$rc (the application's, or ukl-run.sh --help)" >&2; \
		exit $$rc; }

# nokaslr only for a kernel with KASLR: init gets it as an argument too.
gdb: rootfs
	+@$(UKL_RUN) --gdb=$(GDB_PORT) --append "$$(grep -q '^CONFIG_RANDOMIZE_BASE=y' \
		$(KOBJ)/.config && echo 'nokaslr ')$(UKL_KARGS)"
else
run:
	+@$(TESTDIR)/bin/ukl-test.sh --run $(SCENARIO)

gdb:
	+@$(TESTDIR)/bin/ukl-test.sh --run $(SCENARIO) --gdb $(GDB_PORT)
endif

test:
	+@$(TESTDIR)/bin/ukl-test.sh $(TESTFLAGS)

# Not part of test: it takes a while (Documentation/ukl/benchmarks.rst).
bench:
	+@BENCHFLAGS='$(BENCHFLAGS)' JOBS=$(JOBS) UKL_CCACHE_DIR=$(UKL_CCACHE_DIR) \
		$(TESTDIR)/bin/ukl-bench.sh $(BENCHFLAGS)

# Redis (Debian's source, unmodified) as the application; part of test,
# not of bench (Documentation/ukl/redis.rst).
test-redis:
	+@JOBS=$(JOBS) $(TESTDIR)/bin/ukl-test.sh --scenarios REDIS $(TESTFLAGS)

# memcached (Debian's source, unmodified) as the application
# (Documentation/ukl/memcached.rst); part of test.
# The suite on the fast-boot kernel and QEMU's microvm machine
# (Documentation/ukl/testing.rst); part of test.
test-micro:
	+@JOBS=$(JOBS) $(TESTDIR)/bin/ukl-test.sh --scenarios MICRO $(TESTFLAGS)

test-memcached:
	+@JOBS=$(JOBS) $(TESTDIR)/bin/ukl-test.sh --scenarios MEMCACHED $(TESTFLAGS)

# nginx (Debian's source, unmodified) as the application
# (Documentation/ukl/nginx.rst); part of test.
test-nginx:
	+@JOBS=$(JOBS) $(TESTDIR)/bin/ukl-test.sh --scenarios NGINX $(TESTFLAGS)

# Redis, memcached and nginx against their ring-3 builds
# (ukl-bench-app.sh); options in APP_BENCHFLAGS, such as "--reps 1"
bench-redis bench-memcached bench-nginx:
	+@JOBS=$(JOBS) $(TESTDIR)/bin/ukl-bench-app.sh $(@:bench-%=%) $(APP_BENCHFLAGS)

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/test $(BUILD)/linux

# What UKL makes below BUILD: distclean removes BUILD only when it holds
# nothing else, so that an O= that names a directory of other builds, or
# the clone, is not wiped.
UKL_BUILD_ENTRIES := bench htmldocs kernel linux linux.tmp musl series \
	series.git series-check src test ukl-run ukl-toolchain
distclean:
	@other=$$(ls -A $(BUILD) 2>/dev/null | \
		grep -vxF $(addprefix -e ,$(UKL_BUILD_ENTRIES)) | tr '\n' ' '); \
	if [ -n "$$other" ]; then \
		echo "distclean: $(BUILD) holds $${other% }, which UKL does not make there:" \
		     "remove that directory yourself, or give O= a build directory of UKL" >&2; \
		exit 1; \
	fi
	rm -rf $(BUILD)
