# Shell environment of the baremu test guest, sourced by /etc/profile and by
# the unattended hooks of /init: the PATH, and poweroff/reboot that act at once
# (busybox -f, ACPI S5 / reset). ash runs busybox applets before searching
# $PATH, and the plain applets only signal busybox init, which is not yet
# running while the hooks run; functions win over both.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
poweroff() { sync; busybox poweroff -f; }
reboot() { sync; busybox reboot -f; }
