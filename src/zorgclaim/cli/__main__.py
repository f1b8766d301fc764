from zorgclaim.cli import main

main()
