#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and install the kubenf debug kernel: Debian's linux-source-6.12
# configured by `make tinyconfig` plus selftests/vm/debug-kernel.config
# (KASAN, kmemleak, lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, failslab, ...),
# everything built in. `make debug-kernel` runs this; selftests/vm/run boots
# the result with --kernel debug. See selftests/vm/README.md.
#
# usage: selftests/vm/debug-kernel.sh [--print]
#   --print   build nothing: print the installed debug kernel's version, or
#             fail when there is none for the current inputs
#
# The build is cached outside the repository, so that every clone on the
# machine shares it, in $KUBENF_DEBUG_KERNEL_CACHE (/var/cache/kubenf/debug-kernel)
# /<key>, where key hashes the config fragment, the linux-source package
# version and the compiler version: changing any of them builds anew. An
# interrupted build resumes where it stopped. Installed (root only):
#   /lib/modules/<ver>  -> <key>/root/lib/modules/<ver> (a symlink, swapped
#                          atomically), with modules.builtin* for modprobe of
#                          built-in modules and build -> <key>/src for
#                          `make KVER=<ver>`; the VM boots <key>/src/vmlinux
#                          (PVH) through that build link.
# The last line on stdout is the kernel version.
set -euo pipefail

ME=${0##*/}
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly ME VM_DIR
readonly FRAGMENT="$VM_DIR/debug-kernel.config"
readonly SRC_PKG=linux-source-6.12
readonly SRC_TAR=/usr/src/linux-source-6.12.tar.xz
readonly CACHE=${KUBENF_DEBUG_KERNEL_CACHE:-/var/cache/kubenf/debug-kernel}

msg() { echo "$ME: $*" >&2; }
die() { msg "$*"; exit 1; }

opt_print=
case "${1:-}" in
--print)	opt_print=1 ;;
"")		;;
*)		sed -n 's/^# \{0,1\}//; /^usage:/,/^$/p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac

pkgver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
	die "$SRC_PKG is not installed (run make deps)"
[ -r "$SRC_TAR" ] || die "$SRC_TAR missing (run make deps)"
key=$( {
	sha256sum <"$FRAGMENT" | cut -d' ' -f1
	echo "$pkgver"
	gcc --version | head -n1
} | sha256sum | cut -c1-16)
dir=$CACHE/$key

# Point /lib/modules/<ver> at the cached tree; prints <ver>.
install_kernel() {
	local ver mod link
	ver=$(cat "$dir/version")
	mod=$dir/root/lib/modules/$ver
	link=/lib/modules/$ver
	if [ "$(readlink "$link" 2>/dev/null)" = "$mod" ] &&
	   [ "$(readlink "$mod/build")" = "$dir/src" ]; then
		echo "$ver"
		return
	fi
	[ "$(id -u)" = 0 ] || die "installing $link needs root"
	if [ -e "$link" ] && [ ! -L "$link" ]; then
		die "$link exists and is not ours (not a symlink): remove it first"
	fi
	ln -sfn "$dir/src" "$mod/build"
	# A new symlink renamed over the old one: readers see either.
	ln -sfn "$mod" "$link.tmp.$$"
	mv -T "$link.tmp.$$" "$link"
	msg "installed $link -> $mod"
	echo "$ver"
}

if [ -n "$opt_print" ]; then
	[ -f "$dir/done" ] || die "no debug kernel built for key $key (run make debug-kernel)"
	[ "$(readlink "/lib/modules/$(cat "$dir/version")")" = "$dir/root/lib/modules/$(cat "$dir/version")" ] ||
		die "the debug kernel of key $key is not installed (run make debug-kernel)"
	cat "$dir/version"
	exit 0
fi

mkdir -p "$CACHE"
# One build at a time per machine; a second caller waits, then finds it done.
exec 9>"$CACHE/.lock"
flock 9

if [ ! -f "$dir/done" ]; then
	for t in make gcc flex bison bc pahole; do
		command -v "$t" >/dev/null || die "$t missing (run make deps)"
	done
	[ -r /usr/include/libelf.h ] || die "libelf-dev missing (run make deps)"
	mkdir -p "$dir"
	how=built
	[ -f "$dir/src/.config" ] && how="resumed and built"
	if [ ! -f "$dir/src/.config" ]; then
		msg "extracting $SRC_TAR into $dir/src"
		rm -rf "$dir/src.tmp"
		mkdir -p "$dir/src.tmp"
		tar -xf "$SRC_TAR" -C "$dir/src.tmp" --strip-components=1
		make -s -C "$dir/src.tmp" tinyconfig >/dev/null
		(cd "$dir/src.tmp" &&
		 scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null)
		make -s -C "$dir/src.tmp" olddefconfig >/dev/null
		# Every symbol of the fragment must have its value: a typo or an
		# unmet dependency would otherwise go unnoticed.
		bad=$(grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$FRAGMENT" |
			while IFS= read -r l; do
				case "$l" in
				\#*)	s=${l#\# }; s=${s%% *}
					! grep -q "^$s=" "$dir/src.tmp/.config" || echo "$s"
					;;
				*)	grep -qxF "$l" "$dir/src.tmp/.config" || echo "${l%%=*}" ;;
				esac
			done)
		[ -z "$bad" ] || die "config fragment not applied for: ${bad//$'\n'/ }"
		mv -T "$dir/src.tmp" "$dir/src"
	fi
	msg "building $(make -s -C "$dir/src" kernelrelease) in $dir/src (log: $dir/build.log)"
	t0=$SECONDS
	if ! nice -n 10 make -C "$dir/src" -j"${KUBENF_JOBS:-2}" all >"$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log" >&2
		die "kernel build failed (log: $dir/build.log)"
	fi
	rm -rf "$dir/root"
	# Everything is built in; this installs modules.builtin* and runs
	# depmod, so that modprobe of a built-in module succeeds in the VM.
	make -s -C "$dir/src" modules_install INSTALL_MOD_PATH="$dir/root" \
		INSTALL_MOD_STRIP=1 >>"$dir/build.log" 2>&1 ||
		die "modules_install failed (log: $dir/build.log)"
	make -s -C "$dir/src" kernelrelease >"$dir/version"
	echo "$how in $((SECONDS - t0)) s" >"$dir/build-time"
	touch "$dir/done"
	msg "$how in $((SECONDS - t0)) s"
fi
install_kernel
