#!/usr/bin/env bash
# Prints the folder holding the baseline release's code (see baseline.sh), extracting it once;
# the upgrade test runs the previous release's services from there.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/scripts/contracts/baseline.sh"
ref=$(baseline_ref)
log contracts "previous release: $(baseline_name "$ref")"
baseline_tree "$ref"
