# Shell helpers shared by bench/run.sh and bench/callgrind.sh (sourced, not run).

# wait_listening PID PORT [SECONDS]: waits up to SECONDS (default 10) for process PID itself to listen on
# 127.0.0.1:PORT (not whoever else might hold the port); fails at once when the process is gone.
wait_listening() {
    local pid=$1 port=$2 seconds=${3:-10}
    for _ in $(seq $((seconds * 20))); do
        kill -0 "$pid" 2>/dev/null || return 1
        ss -ltnpH "sport = :$port" 2>/dev/null | grep -q "pid=$pid," && return 0
        sleep 0.05
    done
    return 1
}
