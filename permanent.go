package sticky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultPattern is the key pattern of a Permanent with none.
const DefaultPattern = "{key}{ext}"

const (
	maxKeyLen   = 512 // bytes of a whole key
	maxValueLen = 64  // bytes of one value in a key
)

// Permanent is where kept files go for good: a Vault, such as a local
// directory (DirVault) or a gocloud.dev/blob bucket (package blobvault).
//
// Save streams a file there under a new key made from Pattern, with the
// files processors derived from it, and discards the temporary upload; the
// program records the key, to Open the file later. A Permanent is safe for
// concurrent use, and several processes may share one Vault.
type Permanent struct {
	// Vault holds the files. Required.
	Vault Vault

	// Pattern makes each file's key. Its placeholders are
	//
	//	{key}        32 random hexadecimal characters: required, so keys
	//	             never collide and cannot be guessed
	//	{ext}        the file's extension with its dot, in lower case, when
	//	             it agrees with the file's content, else nothing
	//	{name}       the file's name without the extension, made safe
	//	{yyyy} {mm} {dd}  the date of the save (UTC)
	//	{anything}   the value of that name given to Save, made safe
	//
	// and the rest is taken literally: letters, digits and "-_./", with "/"
	// between folders, as in "{owner}/{yyyy}/{mm}/{key}{ext}". A value is
	// made safe by keeping ASCII letters, digits and "-_." (up to 64 bytes)
	// and turning every other run of characters into one "-", so it is
	// always one folder or name, never a path. Default: DefaultPattern.
	Pattern string

	// SaveTimeout is the longest a save may take; default
	// DefaultSaveTimeout. A save still copying past it gives up and
	// removes what it wrote, keeping the file; Recover removes what saves
	// cut by a crash left, once they began more than twice SaveTimeout
	// ago. Every process sharing the Vault must use the same value.
	SaveTimeout time.Duration

	// Recorded, when set, reports whether the program recorded key, the
	// key a Save returned, where it keeps its records (its database).
	// It closes the last gap a crash can open: a process killed after
	// Save returned but before it recorded the key leaves saved files
	// that nobody knows. With Recorded set, a save keeps its journal
	// when it ends, and Recover, once the save is older than twice
	// SaveTimeout, asks Recorded: the files of a key recorded stay and
	// the journal goes; the files of a key not recorded go with it. A
	// key the program deleted since counts as not recorded (its files
	// are gone already). An error leaves the journal for the next
	// Recover. Without Recorded, a save removes its journal as it ends.
	Recorded func(ctx context.Context, key string) (bool, error)
}

// DefaultSaveTimeout is the SaveTimeout of a Permanent with none.
const DefaultSaveTimeout = time.Hour

// Open returns a reader of the file saved under key. The caller closes it.
// A key that holds no file gives an error wrapping fs.ErrNotExist.
func (p *Permanent) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if p.Vault == nil {
		return nil, errNoVault
	}
	return p.Vault.Open(ctx, key)
}

// Delete removes the file saved under key; a key that holds nothing is no
// error. The files derived from it are kept under DerivedKey(key, name),
// the names those of its processors' files: delete them too.
func (p *Permanent) Delete(ctx context.Context, key string) error {
	if p.Vault == nil {
		return errNoVault
	}
	return p.Vault.Delete(ctx, key)
}

var errNoVault = errors.New("sticky: Permanent needs a Vault")

// Key returns a new key for f from the pattern, as Save makes them; each
// call draws a new {key}. It fails when the pattern is malformed or lacks
// {key}, when it names a placeholder values does not fill, or when values
// fills one of sticky's own ({key}, {ext}, {name}, {yyyy}, {mm}, {dd}).
func (p *Permanent) Key(f *File, values map[string]string) (string, error) {
	pattern := p.Pattern
	if pattern == "" {
		pattern = DefaultPattern
	}
	return expandKey(pattern, f.Name, f.Type, NewKey(), time.Now().UTC(), values)
}

// expandKey fills pattern's placeholders. Everything from a person (the
// file's name, the values) goes through safeValue or safeExt.
func expandKey(pattern, name, typ, random string, now time.Time, values map[string]string) (string, error) {
	bad := func(why string) error { return fmt.Errorf("sticky: key pattern %q: %s", pattern, why) }
	var b strings.Builder
	hasKey := false
	for rest := pattern; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			open = len(rest)
		}
		for _, c := range []byte(rest[:open]) {
			if !literalByte(c) {
				return "", bad(fmt.Sprintf("%q is not allowed; use letters, digits and -_./", c))
			}
		}
		b.WriteString(rest[:open])
		rest = rest[open:]
		if rest == "" {
			break
		}
		end := strings.IndexByte(rest, '}')
		if rest[0] == '}' || end < 0 || strings.IndexByte(rest[1:end], '{') >= 0 {
			return "", bad("unbalanced braces")
		}
		ph := rest[1:end]
		rest = rest[end+1:]
		v, builtin := "", true
		switch ph {
		case "key":
			v, hasKey = random, true
		case "ext":
			v = safeExt(name, typ)
		case "name":
			v = safeValue(strings.TrimSuffix(name, path.Ext(name)))
		case "yyyy":
			v = fmt.Sprintf("%04d", now.Year())
		case "mm":
			v = fmt.Sprintf("%02d", int(now.Month()))
		case "dd":
			v = fmt.Sprintf("%02d", now.Day())
		default:
			builtin = false
			value, ok := values[ph]
			if !ok || ph == "" {
				return "", bad(fmt.Sprintf("no value for {%s}", ph))
			}
			v = safeValue(value)
		}
		if _, given := values[ph]; builtin && given {
			return "", bad(fmt.Sprintf("{%s} is filled by sticky, not by a value", ph))
		}
		b.WriteString(v)
	}
	if !hasKey {
		return "", bad("it needs {key}, so that keys never collide")
	}
	key := b.String()
	if len(key) > maxKeyLen {
		return "", bad(fmt.Sprintf("the key is longer than %d bytes", maxKeyLen))
	}
	if !fs.ValidPath(key) || key == "." {
		return "", bad(fmt.Sprintf("%q is not a relative path without empty, . or .. elements", key))
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, ".") {
			return "", bad(fmt.Sprintf("the folder or file %q would be hidden", seg))
		}
	}
	return key, nil
}

func literalByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '/'
}

// safeValue makes s one safe name: ASCII letters, digits and "-_." kept,
// every other run of characters one "-", no leading dots or dashes, at
// most maxValueLen bytes, never empty.
func safeValue(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < utf8.RuneSelf && r != '/' && literalByte(byte(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= maxValueLen {
			break
		}
	}
	v := strings.TrimLeft(b.String(), ".-")
	if len(v) > maxValueLen {
		v = v[:maxValueLen]
	}
	v = strings.TrimRight(v, ".-")
	if v == "" {
		return "_"
	}
	return v
}

// safeExt returns the extension of name, with its dot and in lower case,
// when it is short, plain and known to mean typ; otherwise "". A file whose
// bytes are text but whose name ends in .html or .php gets no extension, so
// no server will take it for a page or a program.
func safeExt(name, typ string) string {
	ext := strings.ToLower(path.Ext(name))
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, c := range []byte(ext[1:]) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	if byExt := baseType(mime.TypeByExtension(ext)); byExt == "" || byExt != baseType(typ) {
		return ""
	}
	return ext
}
