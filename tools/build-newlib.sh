#!/usr/bin/env bash
# Builds newlib from Debian's newlib-source for the freestanding x86-64 UEFI
# target: position-independent, no red zone, syscalls supplied by our kernel.
set -euo pipefail
third="$1"
src=$(ls /usr/src/newlib/newlib-*.tar.* | head -n1)
work="$third/newlib-build"
rm -rf "$work" "$third/newlib-src" && mkdir -p "$work" "$third/newlib-src"
tar -xf "$src" -C "$third/newlib-src" --strip-components=1
cd "$work"
CC_FOR_TARGET="gcc -ffreestanding -fno-stack-protector -mno-red-zone -fpic -fno-builtin -fshort-wchar"
"$third/newlib-src/newlib/configure" --host=x86_64-elf --build=x86_64-linux-gnu \
  --prefix="$third/newlib-install" --disable-multilib \
  --disable-newlib-supplied-syscalls --enable-newlib-nano-malloc \
  CC="$CC_FOR_TARGET" AR=ar RANLIB=ranlib CFLAGS="-O2 -g0" >/dev/null
make -j"$(nproc)" >/dev/null 2>&1 || make -j1
make install >/dev/null
# Headers and libraries land under x86_64-elf/ inside the prefix; flatten them.
if [ -d "$third/newlib-install/x86_64-elf" ]; then
  cp -r "$third/newlib-install/x86_64-elf/"* "$third/newlib-install/"
fi
rm -rf "$work" "$third/newlib-src"
echo "deps: newlib built in third_party/newlib-install"
