#!/usr/bin/env bash
# The main job: set up, build the bundled tasks, and run MLE-STAR with the offline engine on one.
# Usage: bash scripts/demo.sh [TASK_NAME] [BUDGET_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:-breast-cancer}
budget=${2:-300}
bash scripts/setup.sh
.venv/bin/mle-star tasks tasks --only "$task"
# A new folder each time: a run never writes into an earlier run's folder.
run_dir="runs/demo-$task-$(date +%Y%m%d-%H%M%S)"
.venv/bin/mle-star run "tasks/$task" --time-budget "$budget" --output "$run_dir"
.venv/bin/mle-star grade "tasks/$task" "$run_dir/submission.csv"
echo "Run folder: $run_dir (report.md, log.txt, attempts/)"
