"""python -m linear_checks [exercise ...] [--package-root DIR] [--hidden]"""

from linear_checks import exit_now
from linear_checks.sandbox import Sandbox, bubblewrap

# Launched before the runner imports torch, so that the two imports overlap.
sandbox = Sandbox(isolate=bool(bubblewrap()))
sandbox.launch()

from linear_checks.runner import main  # noqa: E402

exit_now(main(sandbox=sandbox), sandbox)
