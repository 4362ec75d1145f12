/* SPDX-License-Identifier: MIT */
/*
 * JUnit XML of a run, the Jenkins/Ant flavour that Jenkins and GitLab read:
 * one <testsuite name="vrc">, a <testcase> per test with classname
 * "vrc.<clause group>" (vrc.EVT, vrc.IRQ, ...), <failure> for a verdict
 * against the device (fail, dmesg-*), <error> for one the harness could not
 * reach (crash, timeout, incomplete), <skipped> for skip and notrun, and
 * <system-out> with the reason, the attempts and the measurements.
 * The schema it is checked against: harness/lab/junit.xsd.
 */
#ifndef VRC_JUNIT_H
#define VRC_JUNIT_H

#include <stdio.h>
#include "results_read.h"
#include "vrc/xml.h"	/* vrc_xml_text(): every string from the run goes through it */

int vrc_junit_write(FILE *f, const struct vrc_loaded *run);

#endif
