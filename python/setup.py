"""Builds the worker link's optional C accelerator when a compiler and the Python headers are
there; without them the package installs as pure Python (link.py holds the same code)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("wsging.worker._link_accel", ["src/wsging/worker/_link_accel.c"], optional=True)
    ]
)
