#!/bin/bash
# The submit command of workflow/profiles/cluster-local: a stand-in for sbatch that runs, on this
# machine, the job script Snakemake would hand to a scheduler (generic cluster executor). It starts
# the script in the background in a session of its own, prints its job id (the pid) and returns at
# once, as a scheduler does; Snakemake learns that the job ended from the marker file the script
# touches at its end. Each job is pinned to one core (taskset), as a one-CPU Slurm allocation is,
# so that a group job runs its renders one after the other as it would there (Snakemake counts
# the CPUs a job may use). Logs: .snakemake/cluster-local/job-*, each starting with the options the
# job was submitted with (its memory, runtime and CPUs, as sbatch options), then the job's output.
set -euo pipefail
jobscript="${!#}"  # Snakemake appends the job script as the last argument
logs=.snakemake/cluster-local
mkdir -p "$logs"
cores=$(nproc)
count=$(ls "$logs" | wc -l)
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c $((count % cores))); fi
log=$(mktemp "$logs/job-XXXXXX")
echo "# asked for: ${*:1:$#-1}" >"$log"
setsid "${pin[@]}" bash "$jobscript" </dev/null >>"$log" 2>&1 &
echo "$!"
