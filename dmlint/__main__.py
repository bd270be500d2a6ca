from dmlint.cli import main

main(prog_name="dmlint")
