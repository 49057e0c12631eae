#!/bin/sh
# A test that passes but makes the kernel print an oops (a userspace-
# triggered crash through sysrq), for scripts/check-harness.sh: the splat
# must fail the configuration even though the test itself exits 0.
echo c >/proc/sysrq-trigger
exit 0
