"""Run `pixart-nb ARGS...` in this process and report its peak resident memory (used by benchmarks/training.py)."""
import resource
import sys

from pixart_nb.cli import main

code = main(sys.argv[1:])
print(f"PEAK_RSS_MB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}", file=sys.stderr)
sys.exit(code)
