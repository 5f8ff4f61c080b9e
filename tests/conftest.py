import os

import matplotlib

matplotlib.use("Agg")

# Tests use a private kernel cache so they never race a user's cache.
os.environ.setdefault("OPTDYN_CACHE_DIR", os.path.join(
    os.path.dirname(__file__), "..", ".pytest_cache", "optdyn-kernels"))
