from apophenic.cli import main

main()
