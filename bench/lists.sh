#!/usr/bin/env bash
# Answer times of the API's lists with 100,000 incidents, 1,000 RCAs and 3,000 action items
# stored (BENCHMARKS.md, "API lists"):
#
#   ./bench/lists.sh [--binary PATH] [--sources N] [--rounds N] [--rcas N] [--samples N]
#
# bench/ui.sh with bench/list_api.py as the driver: builds the Release daemon unless --binary
# names one, starts it on the embedded store, loads the data through the API and prints each
# list's median and worst time. Timings are reported, never asserted.
exec "$(dirname "${BASH_SOURCE[0]}")/ui.sh" --driver list_api.py "$@"
