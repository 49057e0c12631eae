# Devices for both QEMUs the harness builds (scripts/lib.sh: qemu_build
# passes this file as --with-devices-aarch64): the virt board and what it
# selects, nothing else.  The test machine and the VMM both run only
# "-M virt"; QEMU's own "minimal" set adds sbsa-ref, which the VMM cannot
# have (sbsa-ref needs TCG).
CONFIG_ARM_VIRT=y
