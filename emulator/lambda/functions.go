package lambda

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/apidriven/api-driven/emulator/protocol"
)

type codeInput struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageURI        string `json:"ImageUri"`
}

type createInput struct {
	configInput
	FunctionName  *string           `json:"FunctionName"`
	Code          *codeInput        `json:"Code"`
	Publish       bool              `json:"Publish"`
	PackageType   string            `json:"PackageType"`
	Tags          map[string]string `json:"Tags"`
	Architectures []string          `json:"Architectures"`
}

// checkCode turns the Code of a request into a checked bundle.
func checkCode(c *codeInput) (*bundle, *protocol.Error) {
	switch {
	case c.ImageURI != "":
		return nil, invalidParam("Container images are not supported by this emulator: send the code as Code.ZipFile with PackageType Zip.")
	case c.S3Bucket != "" || c.S3Key != "":
		return nil, invalidParam("S3 is not emulated, so Code.S3Bucket/S3Key cannot be read: send the zip inline as Code.ZipFile instead.")
	}
	return inspectZip(c.ZipFile)
}

func (s *Service) createFunction(w http.ResponseWriter, r *http.Request, region string) error {
	done, err := s.uploads.admit(r, "CreateFunction")
	if err != nil {
		return err
	}
	defer done()
	var in createInput
	if err := decodeBody(r, "CreateFunction", &in); err != nil {
		return err
	}
	var failures []string
	name := ""
	if in.FunctionName == nil {
		failures = append(failures, constraint(nil, "functionName", "Member must not be null"))
	} else {
		ref, perr := parseRef(*in.FunctionName)
		switch {
		case perr != nil:
			return perr
		case !nameRE.MatchString(ref.Name) || ref.Qualifier != "":
			failures = append(failures, constraint(*in.FunctionName, "functionName", "Member must satisfy regular expression pattern: "+functionRefPattern))
		case len(ref.Name) > 64:
			failures = append(failures, constraint(ref.Name, "functionName", "Member must have length less than or equal to 64"))
		}
		if ref.Region != "" {
			region = ref.Region
		}
		name = ref.Name
	}
	if in.Role == nil {
		failures = append(failures, constraint(nil, "role", "Member must not be null"))
	}
	if in.Code == nil {
		failures = append(failures, constraint(nil, "code", "Member must not be null"))
	}
	if msg := checkArchitectures(in.Architectures); msg != "" {
		failures = append(failures, msg)
	}
	failures = append(failures, in.constraints()...)
	if err := validationError(failures...); err != nil {
		return err
	}
	if in.PackageType == "Image" {
		return invalidParam("Container images are not supported by this emulator: send the code as Code.ZipFile with PackageType Zip.")
	}
	if in.Runtime == nil || in.Handler == nil || *in.Handler == "" {
		return invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if err := in.semantics(s.opts.Roles); err != nil {
		return err
	}
	if err := checkTagCount(in.Tags); err != nil {
		return err
	}
	b, perr := checkCode(in.Code)
	if perr != nil {
		return perr
	}

	release, err := s.claim(region, name, true)
	if err != nil {
		return err
	}
	defer release()
	// Unpacking happens outside the lock: code is content-addressed, and
	// the claim keeps other uploads of this name away.
	if err := s.storeCode(region, name, b); err != nil {
		s.mu.Lock()
		s.discardUpload(region, name, b.hex)
		s.mu.Unlock()
		return codeError(err)
	}

	now := s.now()
	f := &function{
		Name: name, Region: region, Timeout: 3, MemorySize: 128, Architectures: []string{"x86_64"},
		EphemeralSize: 512, LogFormat: "Text", LogGroup: "/aws/lambda/" + name, TracingMode: "PassThrough",
		Tags: in.Tags, CodeSHA256: b.sha256, CodeHex: b.hex, CodeSize: int64(len(b.zip)),
		LastModified: now, Created: now, RevisionID: protocol.RequestID(), Generation: protocol.RequestID(),
	}
	in.apply(f)
	if in.Architectures != nil {
		f.Architectures = in.Architectures
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.functions[key(region, name)] = f
	var published *function
	if in.Publish {
		published, _ = s.addVersion(f, nil)
	}
	if err := s.save(); err != nil { // the function and its version, or neither
		s.discardUpload(region, name, b.hex)
		return err
	}
	out := s.configuration(f, now)
	if published != nil {
		// AWS answers with version 1 under the unqualified ARN.
		out = s.configuration(published, now)
		out.FunctionArn = f.arn()
	}
	protocol.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// claim reserves a function name for one upload at a time, so that two
// uploads never race on its code files (AWS, too, refuses a change while
// another is in progress). create asks that the name be free.
func (s *Service) claim(region, name string, create bool) (release func(), err error) {
	k := key(region, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, exists := s.functions[k]
	switch {
	case create && exists:
		return nil, protocol.Conflict("ResourceConflictException", "Function already exist: %s", name)
	case s.uploading[k]:
		return nil, errUpdateInProgress(functionARN(region, name))
	}
	if s.uploading == nil {
		s.uploading = map[string]bool{}
	}
	s.uploading[k] = true
	return func() {
		s.mu.Lock()
		delete(s.uploading, k)
		s.mu.Unlock()
	}, nil
}

// codeError maps a failure to store or unpack code: a bad archive is the
// caller's mistake, anything else is ours.
func codeError(err error) error {
	var zerr zipReadError
	if errors.As(err, &zerr) {
		return invalidParam("%s (%v)", errUnzip.Message, zerr.err)
	}
	return serviceError(err)
}

func (s *Service) getFunction(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolve(region, rf)
	if err != nil {
		return err
	}
	out := getFunctionOutput{
		Configuration: s.targetConfiguration(t),
		Code:          codeLocation{RepositoryType: "S3", Location: codeURL(r, t.ver)},
	}
	if len(t.fn.Tags) > 0 {
		out.Tags = t.fn.Tags
	}
	protocol.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) getConfiguration(w http.ResponseWriter, region string, rf ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolve(region, rf)
	if err != nil {
		return err
	}
	protocol.WriteJSON(w, http.StatusOK, s.targetConfiguration(t))
	return nil
}

// targetConfiguration renders what a reference names under the ARN it was
// named by: an alias shows its version's configuration with the alias ARN.
func (s *Service) targetConfiguration(t target) functionConfiguration {
	c := s.configuration(t.ver, s.now())
	c.FunctionArn = t.arn
	return c
}

func (s *Service) updateConfiguration(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	var in configInput
	if err := decodeBody(r, "UpdateFunctionConfiguration", &in); err != nil {
		return err
	}
	if err := validationError(in.constraints()...); err != nil {
		return err
	}
	if err := in.semantics(s.opts.Roles); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if err := s.checkUpdatable(f, in.RevisionID); err != nil {
		return err
	}
	in.apply(f)
	s.touch(f)
	if err := s.save(); err != nil {
		return err
	}
	s.evict(f.arn())
	protocol.WriteJSON(w, http.StatusOK, s.configuration(f, f.Updated))
	return nil
}

type updateCodeInput struct {
	codeInput
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionID    string   `json:"RevisionId"`
	Architectures []string `json:"Architectures"`
}

func (s *Service) updateCode(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	done, err := s.uploads.admit(r, "UpdateFunctionCode")
	if err != nil {
		return err
	}
	defer done()
	var in updateCodeInput
	if err := decodeBody(r, "UpdateFunctionCode", &in); err != nil {
		return err
	}
	if msg := checkArchitectures(in.Architectures); msg != "" {
		return validationError(msg)
	}
	b, perr := checkCode(&in.codeInput)
	if perr != nil {
		return perr
	}
	s.mu.Lock()
	f, err := s.lookup(region, rf)
	if err == nil {
		err = s.checkUpdatable(f, in.RevisionID)
	}
	var name string
	if err == nil {
		region, name = f.Region, f.Name
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if !in.DryRun {
		release, err := s.claim(region, name, false)
		if err != nil {
			return err
		}
		defer release()
		if err := s.storeCode(region, name, b); err != nil {
			s.mu.Lock()
			s.discardUpload(region, name, b.hex)
			s.mu.Unlock()
			return codeError(err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// Re-check: the function may have changed while the code was unpacked.
	f, err = s.lookup(region, ref{Name: name})
	if err == nil {
		err = s.checkUpdatable(f, in.RevisionID)
	}
	if err != nil {
		if !in.DryRun {
			s.discardUpload(region, name, b.hex)
		}
		return err
	}
	if in.DryRun {
		c := s.configuration(f, s.now())
		c.CodeSha256, c.CodeSize = b.sha256, int64(len(b.zip))
		protocol.WriteJSON(w, http.StatusOK, c)
		return nil
	}
	prevHex := f.CodeHex
	f.CodeSHA256, f.CodeHex, f.CodeSize = b.sha256, b.hex, int64(len(b.zip))
	for _, r := range f.records() {
		if r == f || r.CodeHex == b.hex {
			r.Failure = nil // the code was stored again and checked
		}
	}
	if in.Architectures != nil {
		f.Architectures = in.Architectures
	}
	s.touch(f)
	var published *function
	if in.Publish {
		published, _ = s.addVersion(f, nil)
	}
	if err := s.save(); err != nil { // the new code and its version, or neither
		s.discardUpload(region, name, b.hex)
		return err
	}
	s.evict(f.arn())
	if !f.usesCode(prevHex) {
		s.dropCode(region, name, prevHex)
	}
	out := s.configuration(f, f.Updated)
	if published != nil {
		out = s.configuration(published, f.Updated)
	}
	protocol.WriteJSON(w, http.StatusOK, out)
	return nil
}

// checkUpdatable refuses a change while the previous one has not settled,
// and a change based on a stale RevisionId; callers hold s.mu.
func (s *Service) checkUpdatable(f *function, revisionID string) error {
	if f.status(s.now(), s.delays()).LastUpdateStatus == "InProgress" {
		return errUpdateInProgress(f.arn())
	}
	if revisionID != "" && revisionID != f.RevisionID {
		return errRevisionMismatch()
	}
	return nil
}

// touch records a code or configuration change; callers hold s.mu.
func (s *Service) touch(f *function) {
	now := s.now()
	f.LastModified, f.Updated = now, now
	f.RevisionID, f.Generation = protocol.RequestID(), protocol.RequestID()
}

// deleteFunction deletes a function with all its versions and aliases, or
// one version when qualified.
func (s *Service) deleteFunction(w http.ResponseWriter, region string, rf ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rf.Qualifier != "" {
		return s.deleteVersion(w, region, rf)
	}
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	delete(s.functions, key(f.Region, f.Name))
	if err := s.save(); err != nil {
		return err
	}
	for _, arn := range f.arns() {
		s.evict(arn)
	}
	for _, hexSum := range f.codeDigests() {
		s.dropCode(f.Region, f.Name, hexSum)
	}
	s.dropFunction(f.Region, f.Name, f.CodeHex)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// downloadCode serves the zip GetFunction's Code.Location points at.
func (s *Service) downloadCode(w http.ResponseWriter, region string, rf ref) error {
	s.mu.Lock()
	t, err := s.resolve(region, rf)
	var name, hexSum string
	if err == nil {
		region, name, hexSum = t.ver.Region, t.ver.Name, t.ver.CodeHex
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	data, rerr := s.readCode(region, name, hexSum)
	if rerr != nil {
		return serviceError(rerr)
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}
