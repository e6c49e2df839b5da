// placeholder while the command line is written
