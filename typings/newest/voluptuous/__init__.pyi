# For mypy against the newest Home Assistant (scripts/lint --newest): there,
# `import voluptuous` is probatio (Home Assistant calls
# probatio.compat.install_as_voluptuous at import), and Home Assistant's own
# signatures take probatio's types. The real voluptuous package that a dependency
# installs beside it is never what the integration gets.
from probatio import *
