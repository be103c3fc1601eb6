"""The original project's story in 60 lines: its v0.1 classical sliding-mode controller kept, on itself,
a copy of every state it saw, every control it returned and every sliding-surface value, in lists that
nothing trimmed. At 1 kHz that is ~320 B a step, ~1.1 GB an hour: a 10-hour night dies of it. Its fix
keeps the last 1000 of each (collections.deque with a maxlen).

    leak-audit run --duration 30s --expect leak -- python3 examples/programs/seed_classical.py
    leak-audit run --duration 30s -- python3 examples/programs/seed_classical.py --fixed

The control law is the spec's ClassicalSMC with its default gains (u_eq is 0 in practice, as the spec
says); the plant is a stand-in that keeps the state moving. Standard library only.
"""

import math
import sys
import time
from collections import deque

K1, K2, LAM1, LAM2, K, KD = 23.0682, 12.8536, 5.51497, 3.48720, 2.23311, 0.148348
BOUNDARY_LAYER, MAX_FORCE, DT = 0.3, 150.0, 0.001
HISTORY_CAPACITY = 1000


class ClassicalSMC:
    def __init__(self, fixed):
        # v0.1: plain lists, appended to on every call and never trimmed. The fix: bounded deques.
        make = (lambda: deque(maxlen=HISTORY_CAPACITY)) if fixed else list
        self.state_history = make()
        self.control_history = make()
        self.sliding_surface_history = make()

    def compute_control(self, state):
        _, th1, th2, _, dth1, dth2 = state
        sigma = LAM1 * th1 + LAM2 * th2 + K1 * dth1 + K2 * dth2
        sat = math.tanh(max(-700.0, min(700.0, (sigma / BOUNDARY_LAYER) / 3.0)))
        u = max(-MAX_FORCE, min(MAX_FORCE, -K * sat - KD * sigma))
        self.state_history.append(list(state))
        self.control_history.append(u)
        self.sliding_surface_history.append(sigma)
        return u


def plant_step(state, u, t):
    """A damped stand-in for the double pendulum, driven by a slow disturbance so the state keeps moving."""
    x, th1, th2, dx, dth1, dth2 = state
    disturbance = 0.5 * math.sin(t)
    ddx = 0.01 * u - 0.5 * dx
    ddth1 = -4.0 * th1 - 0.8 * dth1 + 0.02 * u + disturbance
    ddth2 = -6.0 * th2 - 0.8 * dth2 - 0.01 * u
    return [x + DT * dx, th1 + DT * dth1, th2 + DT * dth2, dx + DT * ddx, dth1 + DT * ddth1, dth2 + DT * ddth2]


def main():
    controller = ClassicalSMC(fixed="--fixed" in sys.argv[1:])
    state = [0.0, 0.1, 0.1, 0.0, 0.0, 0.0]
    step = 0
    next_tick = time.perf_counter()
    while True:  # Until stopped (SIGTERM ends it, as a soak is ended in the morning).
        u = controller.compute_control(state)
        state = plant_step(state, u, step * DT)
        step += 1
        # Paced at 1 kHz, as the real loop is.
        next_tick += DT
        delay = next_tick - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    main()
