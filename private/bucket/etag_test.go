package bucket

import (
	"testing"

	"gocloud.dev/blob"
)

func TestETag(t *testing.T) {
	for _, tt := range []struct {
		attrs blob.Attributes
		want  string
	}{
		{blob.Attributes{ETag: `"9b2cf535f27731c974343645a3985328"`}, `"9b2cf535f27731c974343645a3985328"`},
		{blob.Attributes{ETag: "0x8DC5D3A1B2C3D4E"}, `"0x8DC5D3A1B2C3D4E"`}, // Azure's are bare
		{blob.Attributes{ETag: `W/"abc"`, MD5: []byte{0xab, 0xcd}}, `"abcd"`},
		{blob.Attributes{MD5: []byte{0x01, 0xff}}, `"01ff"`},
		{blob.Attributes{}, ""}, // the Handler makes one from the size and time
	} {
		if got := (&object{attrs: &tt.attrs}).ETag(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.attrs, got, tt.want)
		}
	}
}
