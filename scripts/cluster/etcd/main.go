// etcd's server module ships no main package that `go install` can build (its binary lives in
// the repository's root module, which replaces its siblings with local paths); this one-line
// main is that binary, built from the published go.etcd.io/etcd/server/v3 module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
