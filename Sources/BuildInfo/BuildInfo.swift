// The git commit husk was built from is generated into this module by Plugins/GitCommit
// (`huskGitCommit`).
