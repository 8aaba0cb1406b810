// Package greeterapi is the answer of the greeter test function
// (lambdatest/testdata/greeter); it has no dependencies so that the
// function stays small.
package greeterapi

// Output is what the greeter answers.
type Output struct {
	// Answer is the content of answer.txt in the function's package.
	Answer string `json:"answer"`
	// Version is AWS_LAMBDA_FUNCTION_VERSION: $LATEST or the number.
	Version string `json:"version"`
	// Color is the COLOR environment variable (part of the configuration).
	Color string `json:"color"`
	// InvokedARN is the ARN the caller named (an alias ARN through an alias).
	InvokedARN string `json:"invokedArn"`
	PID        int    `json:"pid"`
}
