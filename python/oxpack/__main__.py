"""python -m oxpack: the same as the oxpack command."""
from oxpack._cli import main

main()
