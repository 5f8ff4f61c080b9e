"""Kernel templates; see :mod:`optdyn._codegen`."""
