NAME = "helper on /"
