# SPDX-License-Identifier: GPL-2.0
#
# kubenf: build the module for one or both Debian test kernels, the userspace
# programs and the policy library; run the tests. `make help` lists targets.

SHELL		:= /bin/bash
BUILD		:= $(CURDIR)/build
# Newest installed kernel of a Debian line (6.1.0-N-amd64, 6.12.N+deb12-amd64).
kver_of		= $(shell ls /lib/modules 2>/dev/null | grep -E '^$(subst .,\.,$(1))[.-][0-9].*-amd64$$' | sort -V | tail -1)
KVER_61		:= $(call kver_of,6.1)
KVER_612	:= $(call kver_of,6.12)
# The default test kernel is Debian's newest line.
KVER		?= $(KVER_612)
KVERS		:= $(KVER_61) $(KVER_612)
KDIR		?= /lib/modules/$(KVER)/build
VERSION		:= $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)
MODDIR		 = $(BUILD)/$(KVER)
KSRC		:= $(wildcard /usr/src/linux-source-6.12.tar.xz)
TOOLS		:= $(BUILD)/tools
KMOD_SRCS	:= Kbuild $(shell find kmod -type f \( -name '*.[ch]' -o -name Kbuild \))

.PHONY: all module module-all userspace policy selftests deps check check-host check-vm \
	sparse style dkms-check dkms-install tools clean help

all: module userspace policy

help:
	@echo 'make deps          install build and test dependencies (root, Debian 12)'
	@echo 'make               module for $$KVER (default $(KVER_612)), userspace, policy'
	@echo 'make KVER=<ver>    module for that kernel, in build/<ver>/'
	@echo 'make module-all    module for every test kernel ($(KVERS))'
	@echo 'make check         host unit tests, sparse, checkpatch, DKMS, VM selftests'
	@echo 'make check-host    everything in check that does not boot a VM'
	@echo 'make check-vm      VM selftests on both kernels'

deps:
	@bash .ci/deps

# Kbuild writes objects next to the sources, so each kernel builds from its
# own copy of the tree: outputs of different kernels never mix.
module: $(MODDIR)/kubenf.ko

$(BUILD)/%/kubenf.ko: $(KMOD_SRCS)
	@test -d /lib/modules/$*/build || \
		{ echo "no headers for $*: run make deps" >&2; exit 1; }
	@mkdir -p $(BUILD)/$*/src
	@cp -pu --parents $(KMOD_SRCS) $(BUILD)/$*/src/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$*/src W=1 \
		KUBENF_VERSION=$(VERSION) modules
	@cp $(BUILD)/$*/src/kmod/kubenf.ko $@

module-all: $(foreach k,$(KVERS),$(BUILD)/$(k)/kubenf.ko)

userspace:
	$(MAKE) -C userspace BUILD=$(BUILD)/userspace

policy:
	$(MAKE) -C policy BUILD=$(BUILD)/policy

selftests: tools
	$(MAKE) -C selftests BUILD=$(BUILD)/selftests

# Files taken from Debian's linux-source package at build time, never kept in
# the repository: checkpatch and the kselftest harness headers.
TOOL_FILES := scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch \
	tools/testing/selftests/kselftest.h \
	tools/testing/selftests/kselftest_harness.h
tools: $(TOOLS)/.stamp
$(TOOLS)/.stamp: $(KSRC)
	@test -n "$(KSRC)" || { echo "linux-source-6.12 missing: make deps" >&2; exit 1; }
	@mkdir -p $(TOOLS)
	tar -xJf $(KSRC) -C $(TOOLS) --strip-components=1 \
		$(addprefix linux-source-6.12/,$(TOOL_FILES))
	@touch $@

sparse: tools
	@for k in $(KVERS); do \
		mkdir -p $(BUILD)/sparse-$$k && \
		cp -pu --parents $(KMOD_SRCS) $(BUILD)/sparse-$$k/ && \
		$(MAKE) -s -C /lib/modules/$$k/build M=$(BUILD)/sparse-$$k \
			C=2 CF=-D__CHECK_ENDIAN__ W=1 modules 2>&1 | \
			tee $(BUILD)/sparse-$$k.log; \
		if grep -E 'warning|error' $(BUILD)/sparse-$$k.log; then \
			echo "sparse/W=1 found problems on $$k" >&2; exit 1; fi; \
	done

# compat.h is the one file whose job is to test the kernel version.
CHECKPATCH = perl $(TOOLS)/scripts/checkpatch.pl --no-tree --strict --terse \
	--quiet --show-types
style: tools
	@$(CHECKPATCH) -f $(filter-out kmod/compat.h,$(filter %.c %.h,$(KMOD_SRCS)))
	@$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h
	@echo "checkpatch: clean"

dkms-check:
	@bash selftests/dkms.sh $(KVERS)

# Installs the module source under /usr/src and lets DKMS build and install
# it for the running kernel (and future ones: AUTOINSTALL).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
dkms-install:
	rm -rf /usr/src/kubenf-$(DKMS_VERSION)
	mkdir -p /usr/src/kubenf-$(DKMS_VERSION)
	cp -r --parents dkms.conf $(KMOD_SRCS) /usr/src/kubenf-$(DKMS_VERSION)/
	dkms add -m kubenf -v $(DKMS_VERSION)
	dkms build -m kubenf -v $(DKMS_VERSION) -k $(KVER)
	dkms install -m kubenf -v $(DKMS_VERSION) -k $(KVER)

check-host: module-all userspace policy sparse style dkms-check
	$(MAKE) -C userspace check BUILD=$(BUILD)/userspace
	$(MAKE) -C policy check BUILD=$(BUILD)/policy

check-vm: module-all userspace selftests
	@for k in $(KVERS); do selftests/vm/run --kernel $$k -- $(CURDIR)/selftests/run_kselftests.sh || exit 1; done

# One summary line at the end: "N passed, N failed, N skipped".
check: module-all userspace policy selftests bench-tools
	@bash selftests/check.sh $(KVERS)

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------------------
# Benchmarks (selftests/bench/, issue 7): kubenf against kube-proxy's
# iptables, nftables and IPVS modes and against no Service translation, in
# the VM with -icount. selftests/bench/README.md has the figures and timings.
#   make bench        the full matrix, 100 to 30000 Services, and 100 to
#                     10000 pods under 10 to 1000 policies (hours)
#   make bench-smoke  100 Services, one sample, every mode, 100 pods under
#                     10 policies (minutes); fails when a mode cannot program
#                     its rules or carry a connection. make check runs it.
# BENCH_ARGS is passed to selftests/bench/bench.sh, e.g.
#   make bench BENCH_ARGS='--sizes "100 1000" --runs 3 --policy "100:10"'
.PHONY: bench bench-smoke bench-tools
bench-tools:
	$(MAKE) -C selftests/bench BUILD=$(BUILD)/bench/bin

bench: module userspace bench-tools
	selftests/bench/bench.sh --kernel $(KVER) $(BENCH_ARGS)

bench-smoke: module userspace bench-tools
	selftests/bench/bench.sh --smoke --kernel $(KVER) $(BENCH_ARGS)

# ---------------------------------------------------------------------------
# make demo: kubenf on the example cluster of policy/examples/ in the test
# VM -- make deps, the build, then the truth tables before and after the
# example NetworkPolicies and Service load balancing with kubenf's counters
# (selftests/cluster/demo.sh; a few minutes). The cluster tool is
# selftests/cluster/kind-netns (see selftests/cluster/README.md).

.PHONY: demo
demo:
	@bash selftests/cluster/demo.sh

# ---------------------------------------------------------------------------
# The debug kernel (selftests/vm/debug-kernel.sh): Debian's linux-source-6.12
# with KASAN, kmemleak, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP and failslab,
# built once per machine into /var/cache/kubenf/debug-kernel (root).
#   make debug-kernel  build (when its inputs changed) and install it
#   make check-debug   every VM selftest on it, timeouts scaled by
#                      DEBUG_SCALE (4), kmemleak scanned after the run; the
#                      last line is "N passed, N failed, N skipped"
DEBUG_SCALE	?= 4
.PHONY: debug-kernel check-debug
debug-kernel:
	@bash selftests/vm/debug-kernel.sh

check-debug: debug-kernel userspace selftests
	@k=$$(bash selftests/vm/debug-kernel.sh --print) && \
	$(MAKE) --no-print-directory KVER=$$k module && \
	bash selftests/check.sh --vm-only --scale $(DEBUG_SCALE) $$k
