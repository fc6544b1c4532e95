#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS packaging test, on the host: `dkms add`, `dkms build` and
# `dkms install` for every test kernel, in private dkms/source/install trees
# so the system is left untouched. Loading is proven by the VM selftests.
# Prints TAP; exits 0 when every step passed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(ls /lib/modules)

echo "TAP version 13"
echo "1..$((1 + 2 * ${#kvers[@]}))"

# The package holds exactly what the module needs: no userspace, no tests.
mkdir -p "$tmp/src/kubenf-$ver" "$tmp/dkms" "$tmp/install"
(cd "$top" && cp -r --parents dkms.conf Kbuild \
	$(find kmod -type f \( -name '*.[ch]' -o -name Kbuild \)) \
	"$tmp/src/kubenf-$ver/")
opts=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" --installtree "$tmp/install")
n=1 rc=0
step() {
	local name=$1; shift
	if "$@" >"$tmp/log" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"; sed 's/^/# /' "$tmp/log"; rc=1
	fi
	n=$((n + 1))
}
step "dkms add kubenf/$ver" dkms add "${opts[@]}" -m kubenf -v "$ver"
for k in "${kvers[@]}"; do
	mkdir -p "$tmp/install/$k"
	step "dkms build for $k" dkms build "${opts[@]}" -m kubenf -v "$ver" -k "$k"
	step "dkms install for $k" sh -c "dkms install ${opts[*]} --no-depmod \
		-m kubenf -v $ver -k $k && find $tmp/install -name 'kubenf.ko*' | grep -q ."
done
exit $rc
