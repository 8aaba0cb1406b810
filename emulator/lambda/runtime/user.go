package runtime

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// User is the account function processes run as when it is not the
// emulator's own: Lambda runs functions as an unprivileged sandbox user,
// and a function started by a root emulator must not be root.
type User struct {
	UID, GID uint32
	Groups   []uint32 // supplementary groups (the Docker socket's, for the docker target); none by default
	Name     string   // for messages
}

func (u *User) String() string {
	if u == nil {
		return "the emulator's own user"
	}
	return fmt.Sprintf("%s (uid %d, gid %d)", u.Name, u.UID, u.GID)
}

// nobody is the fallback unprivileged account (Debian's nobody:nogroup).
const nobody = 65534

// FunctionUser resolves the -function-user setting:
//
//	""           automatic: "nobody" when the emulator runs as root, else the emulator's own user
//	"self"       the emulator's own user, even as root (not recommended)
//	"name"       a user name from the user database
//	"uid[:gid]"  numeric ids
//
// Only root can switch users: any other spec than "" or "self" fails
// without it. A nil User means no switch.
func FunctionUser(spec string) (*User, error) {
	spec = strings.TrimSpace(spec)
	root := os.Geteuid() == 0
	switch {
	case spec == "self":
		return nil, nil
	case spec == "" && !root:
		return nil, nil
	case spec == "":
		spec = "nobody"
	case !root:
		return nil, fmt.Errorf("-function-user %q needs the emulator to run as root (it runs as uid %d): leave it empty to run functions as your own user", spec, os.Geteuid())
	}
	if u, err := numericUser(spec); err == nil {
		return u, nil
	}
	if spec == "nobody" {
		if u, err := lookupUser("nobody"); err == nil {
			return u, nil
		}
		return &User{UID: nobody, GID: nobody, Name: "nobody"}, nil
	}
	return lookupUser(spec)
}

func numericUser(spec string) (*User, error) {
	uidText, gidText, hasGID := strings.Cut(spec, ":")
	uid, err := strconv.ParseUint(uidText, 10, 32)
	if err != nil {
		return nil, err
	}
	gid := uid
	if hasGID {
		if gid, err = strconv.ParseUint(gidText, 10, 32); err != nil {
			return nil, fmt.Errorf("invalid -function-user %q: use uid:gid or a user name", spec)
		}
	}
	return &User{UID: uint32(uid), GID: uint32(gid), Name: "uid " + uidText}, nil
}

func lookupUser(name string) (*User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("invalid -function-user %q: %w; use uid:gid or an existing user name", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user %q has non-numeric ids %s:%s", name, u.Uid, u.Gid)
	}
	return &User{UID: uint32(uid), GID: uint32(gid), Name: name}, nil
}

// Reachable reports whether u can reach dir: every existing directory on
// the way must be searchable by it (a function's code directory is its
// working directory). The check is on permission bits, as seen by a user
// that is neither root nor in a supplementary group.
func (u *User) Reachable(dir string) bool {
	if u == nil {
		return true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for p := abs; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && !u.canSearch(st) {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// ResolveGroups turns -function-groups entries (group names or numeric
// gids) into gids.
func ResolveGroups(specs []string) ([]uint32, error) {
	var out []uint32
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		if gid, err := strconv.ParseUint(spec, 10, 32); err == nil {
			out = append(out, uint32(gid))
			continue
		}
		g, err := user.LookupGroup(spec)
		if err != nil {
			return nil, fmt.Errorf("invalid -function-groups entry %q: %w; use a group name or a gid", spec, err)
		}
		gid, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("group %q has a non-numeric gid %s", spec, g.Gid)
		}
		out = append(out, uint32(gid))
	}
	return out, nil
}
