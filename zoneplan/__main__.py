from zoneplan.cli import main

main()
