"""Test-session settings."""

import signal


def pytest_configure(config):
    # The Ctrl-C tests check that a fit puts back the interpreter's own SIGINT handler.
    # A shell that starts pytest as a background job (no job control) hands it SIGINT
    # ignored, and Python then installs no handler of its own: give it back the one an
    # interactive run has, so the tests check the same promise wherever they run.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
