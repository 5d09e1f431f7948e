package iso20022_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/barter-clearing/barter/iso20022"
)

func TestWritePain001(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	m := &iso20022.Initiation{MessageID: "NET-1", Created: day, Initiator: "Barter CH & Co", Count: 2, ControlSum: "15.50",
		Batches: []iso20022.Batch{{ID: "NET-1-CNY", Debtor: "Barter CH & Co", Account: "CH-CNY", Currency: "CNY", Execution: day, Total: "15.50",
			Transfers: []iso20022.Transfer{
				{EndToEndID: "NET-1-1", Creditor: "Astarta <RU>", Account: "ASTARTA", Amount: "10.00", Currency: "CNY"},
				{EndToEndID: "NET-1-2", Creditor: "Meskay", Account: "MESKAY", Amount: "5.50", Currency: "CNY"},
			}}}}
	var b strings.Builder
	if err := iso20022.WritePain001(&b, m); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	var back struct {
		XMLName xml.Name
		Hdr     struct {
			MsgID   string `xml:"MsgId"`
			NbOfTxs int    `xml:"NbOfTxs"`
			CtrlSum string `xml:"CtrlSum"`
		} `xml:"CstmrCdtTrfInitn>GrpHdr"`
		Tx []struct {
			ID  string `xml:"PmtId>EndToEndId"`
			Amt struct {
				Ccy   string `xml:"Ccy,attr"`
				Value string `xml:",chardata"`
			} `xml:"Amt>InstdAmt"`
			Cdtr string `xml:"Cdtr>Nm"`
		} `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf"`
	}
	if err := xml.Unmarshal([]byte(out), &back); err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, out)
	}
	if back.XMLName.Space != iso20022.Pain001Namespace || back.Hdr.MsgID != "NET-1" || back.Hdr.NbOfTxs != 2 || back.Hdr.CtrlSum != "15.50" {
		t.Errorf("header = %+v, namespace %q", back.Hdr, back.XMLName.Space)
	}
	if len(back.Tx) != 2 || back.Tx[0].Amt.Ccy != "CNY" || back.Tx[0].Amt.Value != "10.00" || back.Tx[0].Cdtr != "Astarta <RU>" {
		t.Errorf("transfers = %+v", back.Tx)
	}
	if !strings.Contains(out, "<ReqdExctnDt>\n") && !strings.Contains(out, "<Dt>2026-11-30</Dt>") {
		t.Errorf("no execution date:\n%s", out)
	}
	long := strings.Repeat("Meskay and Femtee Trading Company ", 2)
	if id := iso20022.AccountID(long); len(id) != 33 || id == iso20022.AccountID(long+"x") {
		t.Errorf("AccountID(long) = %q", id)
	}
	if err := iso20022.WritePain001(&b, &iso20022.Initiation{MessageID: "NET-2", Created: day}); err == nil {
		t.Error("accepted a message with no payments")
	}
	m.MessageID = strings.Repeat("x", 36)
	if err := iso20022.WritePain001(&b, m); err == nil {
		t.Error("accepted a message id over 35 characters")
	}
}

func TestPayouts(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if m := iso20022.Payouts("CH", "RUN-1", day, day, nil); m != nil {
		t.Errorf("nothing to pay: %+v; want no message", m)
	}
	const big = 9_000_000_000_000_000_000 // two of them pass 64 bits
	m := iso20022.Payouts("CH", "RUN-1", day, day, []iso20022.Payout{
		{Creditor: "A", Amount: 1050, Currency: "PKR"}, {Creditor: "B", Amount: 5, Currency: "CNY"},
		{Creditor: "C", Amount: big, Currency: "PKR"}, {Creditor: "D", Amount: big, Currency: "PKR"}})
	if m.Count != 4 || m.ControlSum != "180000000000000010.55" || len(m.Batches) != 2 {
		t.Fatalf("message %+v; want 4 payouts in 2 batches summing to 180000000000000010.55", m)
	}
	pkr, cny := m.Batches[0], m.Batches[1]
	if pkr.Currency != "PKR" || pkr.Account != "CH-PKR" || pkr.Total != "180000000000000010.50" || len(pkr.Transfers) != 3 ||
		pkr.Transfers[0] != (iso20022.Transfer{EndToEndID: "RUN-1-1", Creditor: "A", Account: "A", Amount: "10.50", Currency: "PKR"}) {
		t.Errorf("PKR batch %+v", pkr)
	}
	if cny.Currency != "CNY" || cny.Total != "0.05" || cny.Transfers[0].Amount != "0.05" || cny.Transfers[0].EndToEndID != "RUN-1-2" {
		t.Errorf("CNY batch %+v", cny)
	}
}
