# The test guests (tools/guest/build.sh): build/guest/{vmlinuz,initrd.gz,
# disk.img,cd.iso,tftp/} from Debian i386 packages. The script is cached and
# decides itself what to rebuild, so the target always runs it.
guest:
	bash tools/guest/build.sh
.PHONY: guest
