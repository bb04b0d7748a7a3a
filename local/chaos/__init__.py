"""The chaos suite (`make chaos`, smoke size in `make test` via tests/chaos): the whole local stack under
faults on both sandboxes, a workload of TikTok orders and VTEX stock changes, then figures and invariants.
See README "Reliability suites: chaos, leaks"."""
