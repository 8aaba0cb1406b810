package ec2

import "strings"

// Size lists shared by instance families (a family offers exactly these).
var (
	burstSizes   = []string{"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"}
	gen5Sizes    = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"}
	gen6Sizes    = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"}
	gen7Sizes    = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"}
	gravSizes    = []string{"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"}
	grav4Sizes   = []string{"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"}
	c5Sizes      = []string{"large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge", "metal"}
	flexSizes    = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge"}
	gpuSizes     = []string{"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"}
	storageSizes = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "metal"}
)

// instanceFamily is one family of the catalogue with its architecture.
type instanceFamily struct {
	arch  string
	sizes []string
}

// instanceFamilies is the catalogue of instance types RunInstances and
// ModifyInstanceAttribute accept: current generations of the families
// people launch, and the previous ones tutorials still name. A type
// outside it is InvalidParameterValue, as AWS answers a type that does
// not exist.
var instanceFamilies = func() map[string]instanceFamily {
	out := map[string]instanceFamily{}
	add := func(arch string, sizes []string, families ...string) {
		for _, f := range families {
			out[f] = instanceFamily{arch: arch, sizes: sizes}
		}
	}
	const x86, arm = "x86_64", "arm64"
	add(x86, burstSizes, "t2", "t3", "t3a")
	add(arm, burstSizes, "t4g")
	add(x86, []string{"micro"}, "t1")
	add(x86, []string{"large", "xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"}, "m4")
	add(x86, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge"}, "c4")
	add(x86, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"}, "r4")
	add(x86, gen5Sizes, "m5", "m5a", "m5d", "m5ad", "m5n", "r5", "r5a", "r5d", "r5ad", "r5n")
	add(x86, []string{"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge", "metal"}, "m5zn")
	add(x86, c5Sizes, "c5", "c5d", "c5n")
	add(x86, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"}, "c5a", "c5ad")
	add(x86, gen6Sizes, "m6i", "m6id", "m6in", "m6a", "c6i", "c6id", "c6in", "c6a", "r6i", "r6id", "r6in", "r6a")
	add(x86, gen7Sizes, "m7i", "m7a", "c7i", "c7a", "r7i", "r7a")
	add(x86, flexSizes, "m7i-flex", "c7i-flex")
	add(arm, []string{"medium", "large", "xlarge", "2xlarge", "4xlarge", "metal"}, "a1")
	add(arm, gravSizes, "m6g", "m6gd", "c6g", "c6gd", "c6gn", "r6g", "r6gd", "x2gd", "m7g", "m7gd", "c7g", "c7gd", "c7gn", "r7g", "r7gd")
	add(arm, grav4Sizes, "m8g", "c8g", "r8g")
	add(x86, []string{"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"}, "g4dn")
	add(x86, gpuSizes, "g5", "g6")
	add(arm, []string{"xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "metal"}, "g5g")
	add(x86, []string{"2xlarge", "8xlarge", "16xlarge"}, "p3")
	add(x86, []string{"24xlarge"}, "p4d")
	add(x86, []string{"48xlarge"}, "p5")
	add(x86, storageSizes, "i3", "i4i")
	add(arm, []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"}, "im4gn", "i4g")
	add(arm, []string{"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge"}, "is4gen")
	add(x86, []string{"large", "xlarge", "2xlarge", "3xlarge", "6xlarge", "12xlarge", "metal"}, "z1d")
	add(x86, []string{"xlarge", "2xlarge", "6xlarge", "24xlarge"}, "inf1")
	add(x86, []string{"xlarge", "8xlarge", "24xlarge", "48xlarge"}, "inf2")
	return out
}()

// instanceArch is the architecture of a catalogued instance type; ok is
// false for a type that does not exist.
func instanceArch(t string) (arch string, ok bool) {
	family, size, found := strings.Cut(t, ".")
	if !found {
		return "", false
	}
	f, known := instanceFamilies[family]
	if !known {
		return "", false
	}
	for _, s := range f.sizes {
		if s == size {
			return f.arch, true
		}
	}
	return "", false
}

// checkInstanceType applies AWS's rules to a requested type: it must
// exist, and its architecture must be the AMI's.
func checkInstanceType(t, imageArch string) error {
	arch, ok := instanceArch(t)
	if !ok {
		return invalidTypeError(t)
	}
	if arch != imageArch {
		return archMismatch(arch, imageArch)
	}
	return nil
}
