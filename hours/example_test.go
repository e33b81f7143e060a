package hours_test

import (
	"fmt"

	"github.com/aidmap/aidmap/hours"
)

func ExampleParseText() {
	h, warnings, err := hours.ParseText("Mon, Wed, Fri 10-2; Sat 9:30am to noon. Closed Sunday and holidays.")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(hours.Format(h))
	fmt.Println(warnings)
	// Output:
	// Mo,We,Fr 10:00-14:00; Sa 09:30-12:00; PH off
	// [read "10-2" (no am or pm) as 10:00-14:00]
}

func ExampleParseOSM() {
	h, err := hours.ParseOSM("Mo-Su 20:00-08:00; We off")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Weekly[0], hours.Format(h))
	_, err = hours.ParseOSM("Mo-Fr sunrise-sunset")
	fmt.Println(err)
	// Output:
	// {Sunday 1200 480} Th-Tu 20:00-08:00
	// hours "Mo-Fr sunrise-sunset": cannot understand "sunrise-sunset" at character 7: expected times, off or a comment
}
