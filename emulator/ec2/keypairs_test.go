package ec2_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestKeyPairs(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	rsaKey := must[*ec2.CreateKeyPairOutput](t, "CreateKeyPair rsa")(c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("rsa-key"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeKeyPair, Tags: []types.Tag{tag("Owner", "me")}}}}))
	edKey := must[*ec2.CreateKeyPairOutput](t, "CreateKeyPair ed25519")(c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("ed-key"), KeyType: types.KeyTypeEd25519}))
	if err := ec2.NewKeyPairExistsWaiter(c, func(o *ec2.KeyPairExistsWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"rsa-key", "ed-key"}}, waitFor); err != nil {
		t.Fatalf("KeyPairExists: %v", err)
	}
	// The private keys are real: they parse, and the ED25519 fingerprint is
	// the SHA-256 of the public key AWS documents.
	for _, k := range []*ec2.CreateKeyPairOutput{rsaKey, edKey} {
		if _, err := ssh.ParseRawPrivateKey([]byte(aws.ToString(k.KeyMaterial))); err != nil {
			t.Errorf("%s: key material does not parse: %v", aws.ToString(k.KeyName), err)
		}
		if !strings.HasPrefix(aws.ToString(k.KeyPairId), "key-0") {
			t.Errorf("%s: key pair id %q", aws.ToString(k.KeyName), aws.ToString(k.KeyPairId))
		}
	}
	signer, err := ssh.ParsePrivateKey([]byte(aws.ToString(edKey.KeyMaterial)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(signer.PublicKey().Marshal())
	if want := base64.StdEncoding.EncodeToString(sum[:]); aws.ToString(edKey.KeyFingerprint) != want {
		t.Errorf("ed25519 fingerprint %s, want %s", aws.ToString(edKey.KeyFingerprint), want)
	}
	if fp := aws.ToString(rsaKey.KeyFingerprint); len(fp) != 59 || strings.Count(fp, ":") != 19 {
		t.Errorf("rsa fingerprint %q is not a colon-separated SHA-1", fp)
	}

	// An imported key, from its OpenSSH public form.
	imported := must[*ec2.ImportKeyPairOutput](t, "ImportKeyPair")(c.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("laptop"),
		PublicKeyMaterial: ssh.MarshalAuthorizedKey(signer.PublicKey())}))
	if aws.ToString(imported.KeyFingerprint) != aws.ToString(edKey.KeyFingerprint) {
		t.Errorf("imported fingerprint %s, want the created key's %s", aws.ToString(imported.KeyFingerprint), aws.ToString(edKey.KeyFingerprint))
	}

	all := must[*ec2.DescribeKeyPairsOutput](t, "DescribeKeyPairs")(c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{IncludePublicKey: aws.Bool(true)}))
	var names []string
	for _, k := range all.KeyPairs {
		names = append(names, aws.ToString(k.KeyName)+"/"+string(k.KeyType))
		if !strings.HasSuffix(aws.ToString(k.PublicKey), " "+aws.ToString(k.KeyName)) || k.CreateTime == nil {
			t.Errorf("%s: public key %q, created %v", aws.ToString(k.KeyName), aws.ToString(k.PublicKey), k.CreateTime)
		}
	}
	if strings.Join(names, ",") != "rsa-key/rsa,ed-key/ed25519,laptop/ed25519" {
		t.Errorf("key pairs = %v", names)
	}
	tagged := must[*ec2.DescribeKeyPairsOutput](t, "DescribeKeyPairs by tag")(c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: []types.Filter{filter("tag:Owner", "me")}}))
	if len(tagged.KeyPairs) != 1 || aws.ToString(tagged.KeyPairs[0].KeyName) != "rsa-key" || tagged.KeyPairs[0].PublicKey != nil {
		t.Errorf("key pairs tagged Owner=me = %+v", tagged.KeyPairs)
	}

	_, err = c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("rsa-key")})
	wantCode(t, err, "InvalidKeyPair.Duplicate")
	_, err = c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	_, err = c.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("bad"), PublicKeyMaterial: []byte("ssh-rsa not-base64")})
	wantCode(t, err, "InvalidKey.Format")
	_, err = c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("putty"), KeyFormat: types.KeyFormatPpk})
	wantCode(t, err, "UnsupportedOperation")
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), KeyName: aws.String("nope")})
	wantCode(t, err, "InvalidKeyPair.NotFound")

	must[*ec2.DeleteKeyPairOutput](t, "DeleteKeyPair by name")(c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("laptop")}))
	must[*ec2.DeleteKeyPairOutput](t, "DeleteKeyPair by id")(c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: edKey.KeyPairId}))
	// Deleting a name that does not exist succeeds, as on AWS.
	must[*ec2.DeleteKeyPairOutput](t, "DeleteKeyPair again")(c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("laptop")}))
	_, err = c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: edKey.KeyPairId})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	left := must[*ec2.DescribeKeyPairsOutput](t, "DescribeKeyPairs")(c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{}))
	if len(left.KeyPairs) != 1 {
		t.Errorf("%d key pairs left, want 1", len(left.KeyPairs))
	}
	// Key pairs are regional.
	eu := ec2.NewFromConfig(inRegion(t, c, "eu-west-1"))
	_, err = eu.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"rsa-key"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
}
