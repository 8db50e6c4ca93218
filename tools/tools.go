// Package tools holds the project's development tools, kept out of the provider's module.
package tools

// Format the examples, then generate docs/ from the provider's schemas, templates/ and examples/.
//go:generate terraform fmt -recursive ../examples/
//go:generate go tool tfplugindocs generate --provider-dir .. --provider-name b2b
