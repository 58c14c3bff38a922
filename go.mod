module gcacard

go 1.26
