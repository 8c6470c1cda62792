# SPDX-License-Identifier: GPL-2.0
#
# UKL: the unikernel target for Linux.  This Makefile drives everything:
# sources, tree assembly, kernel and libc builds, the QEMU runner, tests.
# See README for the two commands that matter and Documentation/ukl/ for
# the rest.

REPO := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Everything generated goes below BUILD (O= is accepted as an alias).
ifdef O
BUILD ?= $(abspath $(O))
endif
BUILD ?= $(REPO)/build

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
KOBJ     := $(BUILD)/kernel/$(SCENARIO)
BZIMAGE  := $(KOBJ)/arch/x86/boot/bzImage

# Paths of this repository that are copied into the kernel tree as they are
# (new files); existing upstream files are changed by the diffs that
# patches/series lists.
KERNEL_NEW_FILES := Kconfig.ukl arch include init kernel lib fs mm \
		    scripts/ukl tools/ukl tools/testing/ukl Documentation/ukl

# Kernel builds are reproducible so that ccache hits across clones.
KBUILD_ENV := CCACHE_DIR=$(UKL_CCACHE_DIR) CCACHE_BASEDIR=$(BUILD) \
	      KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026" \
	      KBUILD_BUILD_USER=ukl KBUILD_BUILD_HOST=ukl
KMAKE = $(KBUILD_ENV) $(MAKE) -s -C $(KTREE) O=$(KOBJ) CC="ccache gcc" -j$(JOBS)

export BUILD REPO

.PHONY: all deps sources tree config kernel run test bench menuconfig clean distclean \
	help series check-series htmldocs test-redis bench-redis

all: kernel

help:
	@echo 'make deps        install Debian packages, fetch and unpack sources'
	@echo 'make run         build the default scenario and boot it in QEMU'
	@echo 'make test        build and boot every scenario in configs/CFLIST'
	@echo 'make bench       microbenchmarks, boot time and size into $$(BUILD)/bench/'
	@echo 'make test-redis  Redis as the application: the REDIS scenario (KTAP)'
	@echo 'make bench-redis redis-benchmark, application and ring 3, into $$(BUILD)/bench/'
	@echo 'make kernel      build bzImage for SCENARIO=$(SCENARIO)'
	@echo 'make menuconfig  edit the .config of SCENARIO (not saved to the fragment)'
	@echo 'make series      export the change as a patch series to $(BUILD)/series/'
	@echo 'make check-series  git am, checkpatch, kernel-doc and build every patch (KTAP)'
	@echo 'make htmldocs    build Documentation/ukl/ as HTML; any warning fails'
	@echo 'make clean       remove kernel builds and test output, keep sources'
	@echo 'make distclean   remove $(BUILD) entirely'
	@echo 'variables: BUILD=dir (or O=dir), SCENARIO=name, JOBS=n, UKL_CCACHE_DIR=dir,'
	@echo '           TESTFLAGS="--scenarios SMOKE --timeout 60" (ukl-test.sh --help),'
	@echo '           BENCHFLAGS="--reps 3 --no-unpatched" (ukl-bench.sh --help),'
	@echo '           REDIS_BENCHFLAGS="--reps 1" (ukl-bench-redis.sh --help)'

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

# --- kernel ----------------------------------------------------------------

config: tree
	@$(DEV)/kconfig.sh $(KTREE) $(KOBJ) $(CONFIGS)/base.config $(CONFIGS)/$(SCENARIO)

kernel: config
	@mkdir -p $(UKL_CCACHE_DIR)
	@echo "  KERNEL  $(SCENARIO)"
	@$(KMAKE) bzImage

menuconfig: config
	$(KBUILD_ENV) $(MAKE) -C $(KTREE) O=$(KOBJ) menuconfig

# --- running and testing ---------------------------------------------------

# The test driver builds the programs first: a scenario's kernel may link
# one of them in.
run:
	+@$(TESTDIR)/ukl-test.sh --run $(SCENARIO)

test:
	+@$(TESTDIR)/ukl-test.sh $(TESTFLAGS)

# Not part of test: it takes a while (Documentation/ukl/benchmarks.rst).
bench:
	+@BENCHFLAGS='$(BENCHFLAGS)' JOBS=$(JOBS) UKL_CCACHE_DIR=$(UKL_CCACHE_DIR) \
		$(TESTDIR)/ukl-bench.sh $(BENCHFLAGS)

# Redis (Debian's source, unmodified) as the application; not part of
# test and bench (Documentation/ukl/redis.rst).
test-redis:
	+@JOBS=$(JOBS) $(TESTDIR)/ukl-test.sh --scenarios REDIS $(TESTFLAGS)

bench-redis:
	+@JOBS=$(JOBS) $(TESTDIR)/ukl-bench-redis.sh $(REDIS_BENCHFLAGS)

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/test $(BUILD)/linux

distclean:
	rm -rf $(BUILD)
