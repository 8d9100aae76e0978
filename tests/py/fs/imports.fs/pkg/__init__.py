INIT = "pkg init"
