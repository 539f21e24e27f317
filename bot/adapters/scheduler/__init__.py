"""Check-ins on a schedule: the pass that sends what is due, run by `premortem serve` on a
thread (`start_scheduler`) or once by `premortem checkins run-due`.
"""
