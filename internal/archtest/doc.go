// Package archtest holds no code: its test reads the import graph of every package in the
// module (go list) and fails when an import breaks the layers ARCHITECTURE.md describes.
package archtest
