"""SMC with approximate reward models (THEORY §5); filled in below."""
from .models import *  # noqa
from .values import *  # noqa
from .bellman import *  # noqa
from .exact import *  # noqa
from .samplers import *  # noqa
from .bounds import *  # noqa
from .experiments import *  # noqa
