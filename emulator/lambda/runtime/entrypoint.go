package runtime

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
)

// entrypointError is a bootstrap that cannot run here; it becomes a
// Runtime.InvalidEntrypoint function error, as on AWS.
type entrypointError struct{ msg string }

func (e *entrypointError) Error() string { return e.msg }

// checkBootstrap validates codeDir/bootstrap before exec so a missing file or
// a binary for another platform fails at once with a clear message instead
// of an exec error (or a hang under an emulator such as binfmt/qemu).
func checkBootstrap(codeDir string) (string, error) {
	path := filepath.Join(codeDir, "bootstrap")
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", &entrypointError{fmt.Sprintf("Couldn't find valid bootstrap(s): [%s]", path)}
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return "", &entrypointError{fmt.Sprintf("fork/exec %s: permission denied", path)}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", &entrypointError{fmt.Sprintf("failed to open bootstrap %s: %v", path, err)}
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return "", &entrypointError{fmt.Sprintf("bootstrap %s is not an executable (%d bytes)", path, fi.Size())}
	}
	if bytes.HasPrefix(magic[:], []byte("#!")) {
		return path, nil // scripts are run by their interpreter
	}
	goos, goarch, known := binaryPlatform(f, magic)
	if !known {
		return path, nil // unknown format: exec decides (ENOEXEC is mapped later)
	}
	if goos != goruntime.GOOS || goarch != goruntime.GOARCH {
		return "", &entrypointError{wrongPlatform(goos, goarch)}
	}
	return path, nil
}

func wrongPlatform(goos, goarch string) string {
	return fmt.Sprintf("bootstrap is a %s/%s executable but this emulator runs functions natively on %s/%s: rebuild with GOOS=%s GOARCH=%s",
		goos, goarch, goruntime.GOOS, goruntime.GOARCH, goruntime.GOOS, goruntime.GOARCH)
}

// binaryPlatform reads the GOOS/GOARCH an executable was built for from its
// ELF, Mach-O or PE header.
func binaryPlatform(f io.ReaderAt, magic [4]byte) (goos, goarch string, ok bool) {
	switch {
	case bytes.Equal(magic[:], []byte(elf.ELFMAG)):
		ef, err := elf.NewFile(f)
		if err != nil {
			return "", "", false
		}
		goos = "linux"
		switch ef.OSABI {
		case elf.ELFOSABI_FREEBSD:
			goos = "freebsd"
		case elf.ELFOSABI_NETBSD:
			goos = "netbsd"
		case elf.ELFOSABI_OPENBSD:
			goos = "openbsd"
		}
		goarch, ok = elfArch(ef)
		return goos, goarch, ok
	case magic[0] == 'M' && magic[1] == 'Z':
		return "windows", "unknown", true
	}
	if mf, err := macho.NewFile(f); err == nil {
		goarch, ok = machoArch(mf.Cpu)
		return "darwin", goarch, ok
	}
	if ff, err := macho.NewFatFile(f); err == nil {
		for _, a := range ff.Arches {
			if arch, _ := machoArch(a.Cpu); arch == goruntime.GOARCH {
				return "darwin", arch, true
			}
		}
		return "darwin", "universal", true
	}
	return "", "", false
}

func elfArch(ef *elf.File) (string, bool) {
	le := ef.ByteOrder.String() == "LittleEndian"
	switch ef.Machine {
	case elf.EM_X86_64:
		return "amd64", true
	case elf.EM_AARCH64:
		return "arm64", true
	case elf.EM_386:
		return "386", true
	case elf.EM_ARM:
		return "arm", true
	case elf.EM_RISCV:
		return "riscv64", true
	case elf.EM_S390:
		return "s390x", true
	case elf.EM_LOONGARCH:
		return "loong64", true
	case elf.EM_PPC64:
		if le {
			return "ppc64le", true
		}
		return "ppc64", true
	case elf.EM_MIPS:
		if ef.Class == elf.ELFCLASS64 {
			if le {
				return "mips64le", true
			}
			return "mips64", true
		}
		if le {
			return "mipsle", true
		}
		return "mips", true
	}
	return ef.Machine.String(), true
}

func machoArch(cpu macho.Cpu) (string, bool) {
	switch cpu {
	case macho.CpuAmd64:
		return "amd64", true
	case macho.CpuArm64:
		return "arm64", true
	case macho.Cpu386:
		return "386", true
	}
	return cpu.String(), true
}

// execError maps a failed exec to the entrypoint error AWS would report.
func execError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &entrypointError{fmt.Sprintf("Couldn't find valid bootstrap(s): [%s]", path)}
	case isENOEXEC(err):
		return &entrypointError{fmt.Sprintf("bootstrap %s is not an executable for %s/%s (exec format error): rebuild with GOOS=%s GOARCH=%s",
			path, goruntime.GOOS, goruntime.GOARCH, goruntime.GOOS, goruntime.GOARCH)}
	case errors.Is(err, fs.ErrPermission):
		return &entrypointError{fmt.Sprintf("fork/exec %s: permission denied", path)}
	}
	return nil
}
