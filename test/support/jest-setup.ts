// The AWS SDK warns once per test file on Node.js < 22 that releases after January 2027 need Node.js 22
// (README, "Node.js version"); the warning says nothing about the code under test, so tests run without it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
