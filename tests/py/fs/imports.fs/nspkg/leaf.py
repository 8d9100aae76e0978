OK = "namespace ok"
